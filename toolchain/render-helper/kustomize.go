package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// virtualRoot is where the checkout appears to kustomize: kustomize works with absolute paths, and a
// path that climbs above this folder is outside the checkout (and refused), not silently re-rooted.
const virtualRoot = "/checkout"

// kustomizeFS is kustomize's filesys.FileSystem over the read-only view. Every read goes through the
// view; every write is refused.
type kustomizeFS struct{ view *view }

var _ filesys.FileSystem = kustomizeFS{}

// rel maps a virtual absolute path to a checkout-relative one ("." for the root).
func (k kustomizeFS) rel(name string) (string, error) {
	if !path.IsAbs(name) {
		name = path.Join(virtualRoot, name)
	}
	cleaned := path.Clean(name)
	if cleaned == virtualRoot {
		return ".", nil
	}
	if !strings.HasPrefix(cleaned, virtualRoot+"/") {
		shown := strings.TrimPrefix(cleaned, "/")
		if r, err := filepath.Rel(virtualRoot, cleaned); err == nil {
			shown = r
		}
		return "", k.view.refuse(shown, "leads outside the checkout")
	}
	return strings.TrimPrefix(cleaned, virtualRoot+"/"), nil
}

func (k kustomizeFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (k kustomizeFS) Mkdir(string) error                  { return errReadOnly }
func (k kustomizeFS) MkdirAll(string) error               { return errReadOnly }
func (k kustomizeFS) RemoveAll(string) error              { return errReadOnly }
func (k kustomizeFS) WriteFile(string, []byte) error      { return errReadOnly }

func (k kustomizeFS) Open(name string) (filesys.File, error) {
	rel, err := k.rel(name)
	if err != nil {
		return nil, err
	}
	file, err := k.view.Open(rel)
	if err != nil {
		return nil, err
	}
	return file, nil
}

func (k kustomizeFS) IsDir(name string) bool {
	rel, err := k.rel(name)
	return err == nil && k.view.IsDir(rel)
}

func (k kustomizeFS) Exists(name string) bool {
	rel, err := k.rel(name)
	if err != nil {
		return false
	}
	_, err = k.view.Stat(rel)
	return err == nil
}

func (k kustomizeFS) ReadDir(name string) ([]string, error) {
	rel, err := k.rel(name)
	if err != nil {
		return nil, err
	}
	entries, err := k.view.ReadDir(rel)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	return names, nil
}

// CleanedAbs splits a path into its folder and file name, like kustomize's on-disk file system does.
func (k kustomizeFS) CleanedAbs(name string) (filesys.ConfirmedDir, string, error) {
	rel, err := k.rel(name)
	if err != nil {
		return "", "", err
	}
	abs := path.Join(virtualRoot, rel)
	if k.view.IsDir(rel) {
		return filesys.ConfirmedDir(abs), "", nil
	}
	dir := path.Dir(abs)
	if dirRel, err := k.rel(dir); err != nil || !k.view.IsDir(dirRel) {
		return "", "", fmt.Errorf("'%s' must be a directory so that '%s' can be resolved", dir, name)
	}
	return filesys.ConfirmedDir(dir), path.Base(abs), nil
}

func (k kustomizeFS) Glob(pattern string) ([]string, error) {
	rel, err := k.rel(pattern)
	if err != nil {
		return nil, err
	}
	matches, err := fs.Glob(k.view.root.FS(), rel)
	if err != nil {
		return nil, k.view.escaped(pattern, err)
	}
	for i, match := range matches {
		matches[i] = path.Join(virtualRoot, match)
	}
	return matches, nil
}

func (k kustomizeFS) ReadFile(name string) ([]byte, error) {
	rel, err := k.rel(name)
	if err != nil {
		return nil, err
	}
	return k.view.ReadFile(rel)
}

func (k kustomizeFS) Walk(name string, walkFn filepath.WalkFunc) error {
	rel, err := k.rel(name)
	if err != nil {
		return err
	}
	return fs.WalkDir(k.view.root.FS(), rel, func(p string, entry fs.DirEntry, err error) error {
		virtual := path.Join(virtualRoot, p)
		if err != nil {
			return walkFn(virtual, nil, k.view.escaped(p, err))
		}
		info, infoErr := entry.Info()
		if infoErr != nil {
			return walkFn(virtual, nil, infoErr)
		}
		return walkFn(virtual, info, nil)
	})
}

// renderKustomize runs kustomize's krusty API over the view: RootOnly load restrictions, no plugins,
// no helmCharts inflation; remote bases fail because there is no network and no git to run.
func renderKustomize(v *view, appPath string) ([]byte, error) {
	options := krusty.MakeDefaultOptions()
	options.LoadRestrictions = types.LoadRestrictionsRootOnly
	options.PluginConfig = types.DisabledPluginConfig()
	options.PluginConfig.HelmConfig.Enabled = false
	options.Reorder = krusty.ReorderOptionLegacy
	kustomizer := krusty.MakeKustomizer(options)
	resources, err := kustomizer.Run(kustomizeFS{view: v}, path.Join(virtualRoot, appPath))
	if err != nil {
		return nil, kustomizeError(err, appPath)
	}
	return resources.AsYaml()
}

// kustomizeError turns kustomize's error into one naming checkout-relative paths.
func kustomizeError(err error, appPath string) error {
	var structured *renderError
	if errors.As(err, &structured) {
		return structured
	}
	message := strings.ReplaceAll(err.Error(), virtualRoot+"/", "")
	message = strings.ReplaceAll(message, virtualRoot, ".")
	file := appPath
	if file == "" {
		file = "."
	}
	if remote := remoteAttempt(); remote != "" {
		return &renderError{Code: "UNSAFE_INPUT", File: file,
			Message: fmt.Sprintf("the kustomization in %s refers to the remote %q: remote bases are not allowed (renders reach no network)", file, remote),
			Hint:    "vendor the base or resource into the repository"}
	}
	// kustomize's git cloner runs `git`; the helper has no PATH, so a git base ends here.
	if strings.Contains(message, "no 'git' program on path") {
		return &renderError{Code: "UNSAFE_INPUT", File: file,
			Message: fmt.Sprintf("the kustomization in %s refers to a remote git base: remote bases are not allowed (renders run no git). kustomize said: %s", file, message),
			Hint:    "vendor the base into the repository"}
	}
	if strings.Contains(message, "must specify --enable-helm") || strings.Contains(message, "helmCharts") {
		return &renderError{Code: "UNSAFE_INPUT", File: file,
			Message: fmt.Sprintf("the kustomization in %s inflates Helm charts (helmCharts), which Mooring does not run inside kustomize: %s", file, message),
			Hint:    "render the chart as its own helm app, or commit its rendered output"}
	}
	return &renderError{Code: "RENDER_FAILED", File: file, Message: "kustomize build failed: " + message,
		Hint: "fix the error kustomize reports; `kustomize build --load-restrictor LoadRestrictionsRootOnly` shows it locally"}
}
