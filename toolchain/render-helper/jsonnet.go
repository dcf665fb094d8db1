package main

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/google/go-jsonnet"
)

type jsonnetOptions struct {
	Main     string            `json:"main"`
	TLAs     map[string]string `json:"tlas"`
	ExtVars  map[string]string `json:"extVars"`
	LibPaths []string          `json:"libPaths"`
}

// viewImporter resolves import, importstr and importbin inside the view only: relative to the importing
// file's folder, then in the library folders (the last one first, as jsonnet's -J does). Absolute
// paths and paths that climb out of the checkout are refused; symlinks are resolved by os.Root.
type viewImporter struct {
	view     *view
	libPaths []string
	cache    map[string]jsonnet.Contents
}

func (i *viewImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	// go-jsonnet passes the importing file ("app/main.jsonnet"), or "" for the main file itself.
	if path.IsAbs(importedPath) {
		return jsonnet.Contents{}, "", i.view.refuse(importedPath, "is an absolute import path; only files inside the checkout can be imported")
	}
	candidates := []string{path.Join(path.Dir(importedFrom), importedPath)}
	for index := len(i.libPaths) - 1; index >= 0; index-- {
		candidates = append(candidates, path.Join(i.libPaths[index], importedPath))
	}
	for _, candidate := range candidates {
		if contents, ok := i.cache[candidate]; ok {
			return contents, candidate, nil
		}
		if _, err := i.view.clean(candidate); err != nil {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q: %w", importedPath, err)
		}
		info, err := i.view.Stat(candidate)
		if i.view.violation != nil {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q: %w", importedPath, errOutside)
		}
		if err != nil || info.IsDir() {
			continue
		}
		data, err := i.view.ReadFile(candidate)
		if err != nil {
			return jsonnet.Contents{}, "", err
		}
		contents := jsonnet.MakeContentsRaw(data)
		i.cache[candidate] = contents
		return contents, candidate, nil
	}
	return jsonnet.Contents{}, "", fmt.Errorf("import %q is not in the checkout (looked in: %s)", importedPath, strings.Join(candidates, ", "))
}

func jsonnetMain(v *view, appPath, configured string) (string, error) {
	if configured != "" {
		return path.Join(appPath, configured), nil
	}
	entries, err := v.ReadDir(displayPath(appPath))
	if err != nil {
		return "", err
	}
	var found []string
	for _, entry := range entries {
		if strings.HasSuffix(entry.Name(), ".jsonnet") && !entry.IsDir() {
			found = append(found, entry.Name())
		}
	}
	sort.Strings(found)
	for _, name := range found {
		if name == "main.jsonnet" {
			return path.Join(appPath, name), nil
		}
	}
	if len(found) == 1 {
		return path.Join(appPath, found[0]), nil
	}
	return "", &renderError{Code: "RENDER_FAILED", File: displayPath(appPath),
		Message: fmt.Sprintf("%s holds several .jsonnet files and none is main.jsonnet", displayPath(appPath)),
		Hint:    "name the entry file with options.jsonnet.main"}
}

// renderJsonnet evaluates the app's jsonnet program; the output is JSON. No native functions are
// registered, so std.native reaches nothing; variables are plain strings.
func renderJsonnet(v *view, appPath string, options *jsonnetOptions) ([]byte, error) {
	main, err := jsonnetMain(v, appPath, options.Main)
	if err != nil {
		return nil, err
	}
	libPaths := make([]string, 0, len(options.LibPaths))
	for _, lib := range options.LibPaths {
		cleaned, err := v.clean(lib)
		if err != nil {
			return nil, err
		}
		libPaths = append(libPaths, cleaned)
	}
	if info, err := v.Stat(main); err != nil || info.IsDir() {
		if v.violation != nil {
			return nil, err
		}
		return nil, &renderError{Code: "RENDER_FAILED", File: main,
			Message: fmt.Sprintf("jsonnet entry file %s is not a file in the checkout", main), Hint: "check options.jsonnet.main"}
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&viewImporter{view: v, libPaths: libPaths, cache: map[string]jsonnet.Contents{}})
	for name, value := range options.TLAs {
		vm.TLAVar(name, value)
	}
	for name, value := range options.ExtVars {
		vm.ExtVar(name, value)
	}
	// Through the importer, so the main file's own imports resolve against its folder.
	output, err := vm.EvaluateFile(main)
	if err != nil {
		return nil, &renderError{Code: "RENDER_FAILED", File: main,
			Message: fmt.Sprintf("jsonnet evaluation of %s failed: %s", main, strings.TrimSpace(err.Error())),
			Hint:    "fix the error jsonnet reports (file:line above)"}
	}
	return []byte(output), nil
}
