// Command grypedb writes a grype vulnerability database (schema v6) holding only the vulnerabilities a test
// names, so that the real grype can scan an SBOM without downloading its database. It reads a JSON list of
// vulnerabilities on stdin and writes <dir>/6/vulnerability.db and import.json, as `grype db import` leaves
// them.
//
//	grypedb DIR < vulnerabilities.json
//
// Each entry: {"id", "severity" (critical|high|medium|low|negligible), "aliases" (ids), "package",
// "ecosystem" ("deb": Debian 13's dpkg packages, or "python"), "affected" (a grype version constraint such
// as "< 2.0"; empty: every version), "fix_version", "fix_state" (fixed|not-fixed|wont-fix), "fix_date"
// (YYYY-MM-DD, optional)}.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	v6 "github.com/anchore/grype/grype/db/v6"
	"github.com/spf13/afero"
)

type entry struct {
	ID         string   `json:"id"`
	Severity   string   `json:"severity"`
	Aliases    []string `json:"aliases"`
	Package    string   `json:"package"`
	Ecosystem  string   `json:"ecosystem"`
	Affected   string   `json:"affected"`
	FixVersion string   `json:"fix_version"`
	FixState   string   `json:"fix_state"`
	FixDate    string   `json:"fix_date"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: grypedb DIR < vulnerabilities.json")
		os.Exit(64)
	}
	var entries []entry
	if err := json.NewDecoder(os.Stdin).Decode(&entries); err != nil {
		fail("reading the vulnerabilities: %v", err)
	}
	dir := filepath.Join(os.Args[1], fmt.Sprint(v6.ModelVersion))
	if err := write(dir, entries); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "grypedb: "+format+"\n", args...)
	os.Exit(1)
}

func write(dir string, entries []entry) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	writer, err := v6.NewWriter(v6.Config{DBDirPath: dir})
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, e := range entries {
		if err := add(writer, e, now); err != nil {
			return fmt.Errorf("%s: %w", e.ID, err)
		}
	}
	if err := writer.Close(); err != nil {
		return err
	}
	// What `grype db import` does after the download: the indexes back, and the file's digest recorded.
	if err := v6.Hydrater()(dir); err != nil {
		return err
	}
	_, err = v6.WriteImportMetadata(afero.NewOsFs(), dir, "tests/scanner/grypedb")
	return err
}

func add(writer v6.ReadWriter, e entry, now time.Time) error {
	provider, scheme, versions := "github", v6.SeveritySchemeCHML, "python"
	var system *v6.OperatingSystem
	switch e.Ecosystem {
	case "deb":
		provider, scheme, versions = "debian", v6.SeveritySchemeCHMLN, "dpkg"
		system = &v6.OperatingSystem{Name: "debian", ReleaseID: "debian", MajorVersion: "13", Codename: "trixie"}
	case "python":
	default:
		return fmt.Errorf("ecosystem %q: use deb or python", e.Ecosystem)
	}
	handle := &v6.VulnerabilityHandle{
		Name: e.ID, ProviderID: provider, Status: v6.VulnerabilityActive, PublishedDate: &now, ModifiedDate: &now,
		Provider: &v6.Provider{ID: provider, Version: "1", Processor: "grypedb", DateCaptured: &now},
		BlobValue: &v6.VulnerabilityBlob{ID: e.ID, Aliases: e.Aliases, Description: "written by tests/scanner",
			Severities: []v6.Severity{{Scheme: scheme, Value: e.Severity, Rank: 1}}},
	}
	if err := writer.AddVulnerabilities(handle); err != nil {
		return err
	}
	fix := &v6.Fix{Version: e.FixVersion, State: v6.FixStatus(e.FixState)}
	if e.FixDate != "" {
		date, err := time.Parse("2006-01-02", e.FixDate)
		if err != nil {
			return err
		}
		fix.Detail = &v6.FixDetail{Available: &v6.FixAvailability{Date: &date, Kind: "first-observed"}}
	}
	return writer.AddAffectedPackages(&v6.AffectedPackageHandle{
		VulnerabilityID: handle.ID, OperatingSystem: system,
		Package: &v6.Package{Ecosystem: e.Ecosystem, Name: e.Package},
		BlobValue: &v6.PackageBlob{CVEs: e.Aliases, Ranges: []v6.Range{{
			Version: v6.Version{Type: versions, Constraint: e.Affected}, Fix: fix}}},
	})
}
