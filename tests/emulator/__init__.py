"""An emulated AWS account for the template's tests: moto in server mode on loopback, a recording of every
call made to it, and the patches for what moto does not do the way AWS does."""
