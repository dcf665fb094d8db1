package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/ignore"
	"sigs.k8s.io/yaml"
)

type helmOptions struct {
	ReleaseName string                 `json:"releaseName"`
	ValueFiles  []string               `json:"valueFiles"`
	Values      map[string]interface{} `json:"values"`
	KubeVersion string                 `json:"kubeVersion"`
	APIVersions []string               `json:"apiVersions"`
	IncludeCRDs bool                   `json:"includeCRDs"`
}

// maxChartDepth bounds folder nesting (and symlink cycles) while a chart is read.
const maxChartDepth = 32

var utf8bom = []byte{0xEF, 0xBB, 0xBF}

// chartFiles reads a chart folder through the view the way helm's loader.LoadDir reads a folder from
// disk: .helmignore and helm's default rules apply, symlinks are followed (inside the checkout only).
func chartFiles(v *view, dir string) ([]*loader.BufferedFile, error) {
	rules := ignore.Empty()
	if data, err := v.ReadFile(path.Join(dir, ignore.HelmIgnore)); err == nil {
		if parsed, err := ignore.Parse(bytes.NewReader(data)); err == nil {
			rules = parsed
		}
	}
	rules.AddDefaults()
	var files []*loader.BufferedFile
	var walk func(rel string, depth int) error
	walk = func(rel string, depth int) error {
		if depth > maxChartDepth {
			return fmt.Errorf("%s: folders nest more than %d deep (a symlink loop?)", path.Join(dir, rel), maxChartDepth)
		}
		entries, err := v.ReadDir(path.Join(dir, rel))
		if err != nil {
			return err
		}
		for _, entry := range entries {
			name := path.Join(rel, entry.Name())
			if name == ".git" {
				continue
			}
			info, err := v.Stat(path.Join(dir, name))
			if err != nil {
				return err
			}
			if rules.Ignore(name, info) {
				continue
			}
			if info.IsDir() {
				if err := walk(name, depth+1); err != nil {
					return err
				}
				continue
			}
			if !info.Mode().IsRegular() {
				return fmt.Errorf("cannot load irregular file %s", path.Join(dir, name))
			}
			data, err := v.ReadFile(path.Join(dir, name))
			if err != nil {
				return err
			}
			files = append(files, &loader.BufferedFile{Name: name, Data: bytes.TrimPrefix(data, utf8bom)})
		}
		return nil
	}
	if err := walk("", 0); err != nil {
		return nil, err
	}
	return files, nil
}

// loadChart loads the chart in dir and attaches its local (file://) dependencies that charts/ does not
// hold, loaded from the view too. A dependency's name is only a name: nothing is written anywhere.
func loadChart(v *view, dir string, depth int) (*chart.Chart, error) {
	chartFile := path.Join(dir, "Chart.yaml")
	if depth > maxChartDepth {
		return nil, &renderError{Code: "INVALID_MANIFEST", File: chartFile,
			Message: fmt.Sprintf("%s: file:// dependencies nest more than %d deep (a cycle?)", chartFile, maxChartDepth),
			Hint:    "remove the dependency cycle"}
	}
	files, err := chartFiles(v, dir)
	if err != nil {
		return nil, err
	}
	loaded, err := loader.LoadFiles(files)
	if err != nil {
		return nil, &renderError{Code: "INVALID_MANIFEST", File: chartFile,
			Message: fmt.Sprintf("cannot load the chart in %s: %v", displayPath(dir), err), Hint: "fix the chart files"}
	}
	if loaded.Metadata == nil {
		return nil, &renderError{Code: "INVALID_MANIFEST", File: chartFile,
			Message: fmt.Sprintf("%s has no Chart.yaml", displayPath(dir)), Hint: "a Helm chart needs a Chart.yaml"}
	}
	for _, dependency := range loaded.Metadata.Dependencies {
		if dependency == nil || hasDependency(loaded, dependency.Name) {
			continue
		}
		if !strings.HasPrefix(dependency.Repository, "file://") {
			repository := dependency.Repository
			if repository == "" {
				repository = "no repository"
			}
			return nil, &renderError{Code: "UNSAFE_INPUT", File: chartFile,
				Message: fmt.Sprintf("%s: dependency %q comes from %s and is not vendored under charts/; Mooring does not download charts", chartFile, dependency.Name, repository),
				Hint:    "run `helm dependency build` and commit the charts/ folder, or use a file:// dependency inside the repository"}
		}
		local := strings.TrimPrefix(dependency.Repository, "file://")
		if path.IsAbs(local) {
			return nil, &renderError{Code: "UNSAFE_INPUT", File: chartFile,
				Message: fmt.Sprintf("%s: dependency %q (%s) is an absolute path, outside the checkout", chartFile, dependency.Name, dependency.Repository),
				Hint:    "file:// dependencies must be relative paths to a chart folder inside the repository"}
		}
		target := path.Join(dir, local)
		if _, err := v.clean(target); err != nil || !v.IsDir(target) {
			if err == nil {
				err = v.escapedOrMissing(target)
			}
			if v.violation != nil {
				return nil, &renderError{Code: "UNSAFE_INPUT", File: chartFile,
					Message: fmt.Sprintf("%s: dependency %q (%s) is outside the checkout", chartFile, dependency.Name, dependency.Repository),
					Hint:    "file:// dependencies must point to a chart folder inside the repository"}
			}
			return nil, &renderError{Code: "RENDER_FAILED", File: chartFile,
				Message: fmt.Sprintf("%s: dependency %q (%s) is not a folder in the checkout: %v", chartFile, dependency.Name, dependency.Repository, err),
				Hint:    "fix the dependency's repository path (relative to the chart folder)"}
		}
		sub, err := loadChart(v, target, depth+1)
		if err != nil {
			return nil, err
		}
		loaded.AddDependency(sub)
	}
	return loaded, nil
}

func (v *view) escapedOrMissing(target string) error {
	_, err := v.Stat(target)
	if err == nil {
		return fmt.Errorf("not a folder")
	}
	return err
}

func hasDependency(c *chart.Chart, name string) bool {
	for _, sub := range c.Dependencies() {
		if sub.Name() == name {
			return true
		}
	}
	return false
}

// mergeValues merges b into a the way helm's --values does (maps merge, other values replace).
func mergeValues(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bm, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeValues(bm, vm)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

func helmValues(v *view, appPath string, options *helmOptions) (map[string]interface{}, error) {
	values := map[string]interface{}{}
	for _, file := range options.ValueFiles {
		if path.IsAbs(file) {
			return nil, v.refuse(file, "is an absolute path; helm value files are relative to the app folder and must stay inside the checkout")
		}
		rel := path.Join(appPath, file)
		data, err := v.ReadFile(rel)
		if err != nil {
			if v.violation != nil {
				return nil, err // run() reports the recorded violation
			}
			return nil, &renderError{Code: "RENDER_FAILED", File: file,
				Message: fmt.Sprintf("helm value file %q does not exist in %s", file, displayPath(appPath)),
				Hint:    "value files are relative to the app folder; check the name"}
		}
		current := map[string]interface{}{}
		if err := yaml.Unmarshal(data, &current); err != nil {
			return nil, &renderError{Code: "INVALID_MANIFEST", File: rel,
				Message: fmt.Sprintf("helm value file %s is not valid YAML: %v", rel, err), Hint: "fix the value file"}
		}
		values = mergeValues(values, current)
	}
	return mergeValues(values, options.Values), nil
}

// renderHelm renders the chart as `helm template` does (client-only install, dry run) and prints the
// manifests, then the hooks, exactly as `helm template` prints them.
func renderHelm(v *view, appPath string, req *request) ([]byte, error) {
	options := &req.Helm
	loaded, err := loadChart(v, appPath, 0)
	if err != nil {
		return nil, err
	}
	// What `helm template` checks before it renders: only application charts install.
	if loaded.Metadata.Type != "" && loaded.Metadata.Type != "application" {
		return nil, &renderError{Code: "RENDER_FAILED", File: path.Join(appPath, "Chart.yaml"),
			Message: fmt.Sprintf("%s: %s charts are not installable", path.Join(appPath, "Chart.yaml"), loaded.Metadata.Type),
			Hint:    "render an application chart that depends on this library chart"}
	}
	if loaded.Metadata.Deprecated {
		fmt.Fprintf(os.Stderr, "warning: the chart %s is deprecated\n", loaded.Metadata.Name)
	}
	values, err := helmValues(v, appPath, options)
	if err != nil {
		return nil, err
	}
	if err := action.CheckDependencies(loaded, loaded.Metadata.Dependencies); err != nil {
		return nil, &renderError{Code: "RENDER_FAILED", File: path.Join(appPath, "Chart.yaml"), Message: err.Error(),
			Hint: "vendor the dependencies under charts/"}
	}
	install := action.NewInstall(&action.Configuration{Log: func(string, ...interface{}) {}})
	install.DryRun = true
	install.DryRunOption = "client"
	install.ReleaseName = options.ReleaseName
	install.Replace = true
	install.ClientOnly = true
	install.Namespace = req.Namespace
	install.IncludeCRDs = options.IncludeCRDs
	install.APIVersions = chartutil.VersionSet(options.APIVersions)
	if options.KubeVersion != "" {
		kubeVersion, err := chartutil.ParseKubeVersion(options.KubeVersion)
		if err != nil {
			return nil, &renderError{Code: "INVALID_ARGUMENT", File: displayPath(appPath),
				Message: fmt.Sprintf("helm kube version %q is not valid: %v", options.KubeVersion, err), Hint: "use a version such as 1.36.3"}
		}
		install.KubeVersion = kubeVersion
	}
	release, err := install.Run(loaded, values)
	if err != nil {
		return nil, &renderError{Code: "RENDER_FAILED", File: displayPath(appPath),
			Message: "helm template failed: " + err.Error(),
			Hint:    "fix the error helm reports; `helm template` shows it locally"}
	}
	var out bytes.Buffer
	fmt.Fprintln(&out, strings.TrimSpace(release.Manifest))
	for _, hook := range release.Hooks {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", hook.Path, hook.Manifest)
	}
	return out.Bytes(), nil
}
