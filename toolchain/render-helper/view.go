package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
)

// view is the one read-only window on the checkout that every renderer reads through. It is built on
// os.Root, so "..", absolute paths and symlinks cannot leave the checkout: the kernel-backed lookups of
// os.Root refuse them, whatever the library asking for the file believes the path means.
// Paths given to a view are '/'-separated and relative to the checkout root.
type view struct {
	root *os.Root

	mu        sync.Mutex
	files     int
	bytes     int64
	maxFiles  int
	maxBytes  int64
	violation *renderError // the first refused access, reported whatever the library made of the error
}

func openView(dir string, maxFiles int, maxBytes int64) (*view, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open the checkout: %w", err)
	}
	return &view{root: root, maxFiles: maxFiles, maxBytes: maxBytes}, nil
}

// errOutside is returned for every path that would leave the checkout.
var errOutside = errors.New("is outside the checkout")

// clean turns a root-relative path into the form os.Root expects, refusing those that climb out.
func (v *view) clean(name string) (string, error) {
	if path.IsAbs(name) {
		return "", v.refuse(name, "is an absolute path; only files inside the checkout can be read")
	}
	cleaned := path.Clean(name)
	if cleaned == ".." || strings.HasPrefix(cleaned, "../") {
		return "", v.refuse(name, "leads outside the checkout")
	}
	return cleaned, nil
}

// refuse records the first refused access (for the final error) and returns an error for the caller.
func (v *view) refuse(name, why string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.violation == nil {
		v.violation = &renderError{
			Code:    "UNSAFE_INPUT",
			Message: fmt.Sprintf("%q %s", name, why),
			File:    name,
			Hint:    "refer only to files inside the repository (no absolute paths, no '..' above the repository root, no symlinks leading out of it)",
		}
	}
	return fmt.Errorf("%q %w", name, errOutside)
}

// escaped maps os.Root's refusal (a symlink or '..' leaving the root) to a recorded violation.
func (v *view) escaped(name string, err error) error {
	if err == nil {
		return nil
	}
	// os.Root's refusal; its error value is not exported, so it is recognised by its fixed text.
	var pathError *fs.PathError
	if errors.As(err, &pathError) && pathError.Err.Error() == "path escapes from parent" {
		return v.refuse(name, "leads outside the checkout (through '..' or a symlink)")
	}
	return err
}

// count charges one file of n bytes against the read limits.
func (v *view) count(name string, n int64) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.files++
	v.bytes += n
	if v.maxFiles > 0 && v.files > v.maxFiles {
		return &renderError{Code: "RENDER_FAILED", File: name,
			Message: fmt.Sprintf("the render read more than the limit of %d files", v.maxFiles),
			Hint:    "render a smaller app, or raise limits.maxFiles"}
	}
	if v.maxBytes > 0 && v.bytes > v.maxBytes {
		return &renderError{Code: "RENDER_FAILED", File: name,
			Message: fmt.Sprintf("the render read more than the limit of %d bytes of files", v.maxBytes),
			Hint:    "keep large files out of the app folder, or raise limits.maxReadBytes"}
	}
	return nil
}

// ReadFile reads one whole file through the root, charging it to the limits.
func (v *view) ReadFile(name string) ([]byte, error) {
	cleaned, err := v.clean(name)
	if err != nil {
		return nil, err
	}
	file, err := v.root.Open(cleaned)
	if err != nil {
		return nil, v.escaped(name, err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a directory", name)
	}
	remaining := int64(-1)
	if v.maxBytes > 0 {
		v.mu.Lock()
		remaining = v.maxBytes - v.bytes
		v.mu.Unlock()
	}
	reader := io.Reader(file)
	if remaining >= 0 {
		reader = io.LimitReader(file, remaining+1) // one byte more than allowed proves the excess
	}
	data, err := io.ReadAll(reader)
	if err != nil {
		return nil, err
	}
	if err := v.count(name, int64(len(data))); err != nil {
		return nil, err
	}
	return data, nil
}

// Open opens a file for reading (the handle refuses writes: it is opened O_RDONLY).
func (v *view) Open(name string) (*os.File, error) {
	cleaned, err := v.clean(name)
	if err != nil {
		return nil, err
	}
	file, err := v.root.Open(cleaned)
	if err != nil {
		return nil, v.escaped(name, err)
	}
	return file, nil
}

// Stat follows symlinks inside the checkout; one that leads out is refused.
func (v *view) Stat(name string) (fs.FileInfo, error) {
	cleaned, err := v.clean(name)
	if err != nil {
		return nil, err
	}
	info, err := v.root.Stat(cleaned)
	return info, v.escaped(name, err)
}

// ReadDir lists a folder, sorted by name.
func (v *view) ReadDir(name string) ([]fs.DirEntry, error) {
	cleaned, err := v.clean(name)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(v.root.FS(), cleaned)
	return entries, v.escaped(name, err)
}

// IsDir reports whether name is a folder inside the checkout.
func (v *view) IsDir(name string) bool {
	info, err := v.Stat(name)
	return err == nil && info.IsDir()
}

// errReadOnly is what every write attempt gets.
var errReadOnly = errors.New("the checkout is read-only during a render")
