// mooring-render renders one app of a checkout with kustomize, helm or jsonnet, linked in as libraries,
// reading files only through one read-only os.Root view of the checkout. It reads one JSON request on
// stdin and writes the rendered manifests on stdout; on failure it writes one JSON error on stderr and
// exits with exitRenderError. It runs nothing (PATH is emptied) and reaches no network.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit codes: a structured error on stderr, or a request the helper could not read.
const (
	exitRenderError = 3
	exitBadRequest  = 4
)

// buildKey is the hash of the helper's sources, set at build time (-X main.buildKey=...).
var buildKey = "dev"

type request struct {
	Renderer  string           `json:"renderer"`
	Root      string           `json:"root"`
	Path      string           `json:"path"`
	Namespace string           `json:"namespace"`
	Helm      helmOptions      `json:"helm"`
	Jsonnet   jsonnetOptions   `json:"jsonnet"`
	Kustomize kustomizeOptions `json:"kustomize"`
	Limits    limits           `json:"limits"`
}

type kustomizeOptions struct {
	AllowRemoteBases bool `json:"allowRemoteBases"`
}

type limits struct {
	MaxOutputBytes int64 `json:"maxOutputBytes"`
	MaxMemoryBytes int64 `json:"maxMemoryBytes"`
	MaxFiles       int   `json:"maxFiles"`
	MaxReadBytes   int64 `json:"maxReadBytes"`
}

// renderError is the one error shape the helper reports: code, message, the file concerned and a hint.
type renderError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Hint    string `json:"hint,omitempty"`
}

func (e *renderError) Error() string { return e.Message }

func fail(err error) {
	var structured *renderError
	if !errors.As(err, &structured) {
		structured = &renderError{Code: "RENDER_FAILED", Message: err.Error()}
	}
	_ = json.NewEncoder(os.Stderr).Encode(structured)
	os.Exit(exitRenderError)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(buildKey)
		return
	}
	// Nothing may be run from a render (kustomize's git cloner, exec plugins): there is nothing to find.
	_ = os.Setenv("PATH", "")
	disableNetwork()

	body, err := io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mooring-render: cannot read the request: %v\n", err)
		os.Exit(exitBadRequest)
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		fmt.Fprintf(os.Stderr, "mooring-render: the request is not valid JSON: %v\n", err)
		os.Exit(exitBadRequest)
	}
	applyMemoryLimit(req.Limits.MaxMemoryBytes)

	output, err := run(&req)
	if err != nil {
		fail(err)
	}
	if req.Limits.MaxOutputBytes > 0 && int64(len(output)) > req.Limits.MaxOutputBytes {
		fail(&renderError{Code: "RENDER_FAILED", File: displayPath(req.Path),
			Message: fmt.Sprintf("the %s render of %s produced %d bytes, more than the limit of %d bytes", req.Renderer, displayPath(req.Path), len(output), req.Limits.MaxOutputBytes),
			Hint:    "render less at once (split the app) or raise limits.maxOutputBytes"})
	}
	if _, err := os.Stdout.Write(output); err != nil {
		os.Exit(exitBadRequest)
	}
}

func displayPath(p string) string {
	if p == "" {
		return "."
	}
	return p
}

func run(req *request) ([]byte, error) {
	v, err := openView(req.Root, req.Limits.MaxFiles, req.Limits.MaxReadBytes)
	if err != nil {
		return nil, err
	}
	appPath, err := v.clean(displayPath(req.Path))
	if err != nil {
		return nil, v.violation
	}
	if appPath == "." {
		appPath = ""
	}
	var output []byte
	switch req.Renderer {
	case "kustomize":
		if req.Kustomize.AllowRemoteBases {
			return nil, &renderError{Code: "INVALID_ARGUMENT", File: displayPath(appPath),
				Message: "kustomize.allowRemoteBases is not supported yet: renders reach no network",
				Hint:    "vendor the remote bases into the repository and remove allowRemoteBases"}
		}
		output, err = renderKustomize(v, appPath)
	case "helm":
		output, err = renderHelm(v, appPath, req)
	case "jsonnet":
		output, err = renderJsonnet(v, appPath, &req.Jsonnet)
	default:
		return nil, &renderError{Code: "INVALID_ARGUMENT", Message: fmt.Sprintf("unknown renderer %q", req.Renderer)}
	}
	// A refused access is the real cause, whatever the library made of the error it got; a refusal
	// the renderer explained itself (naming the file that asked) is clearer still.
	var explained *renderError
	if errors.As(err, &explained) && explained.Code == "UNSAFE_INPUT" {
		return nil, explained
	}
	if v.violation != nil {
		violation := *v.violation
		violation.Message = fmt.Sprintf("the %s render of %s was refused: %s", req.Renderer, displayPath(appPath), violation.Message)
		// The library's own error says where the access came from (file:line for jsonnet).
		var structured *renderError
		if errors.As(err, &structured) && structured.File != "" && structured.Code != "UNSAFE_INPUT" {
			violation.Message += "\n" + structured.Message
			violation.File = structured.File
		}
		return nil, &violation
	}
	return output, err
}
