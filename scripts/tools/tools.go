// Package tools pins the development tools of the workspace (see the tool
// directives in go.mod); run them with `go tool <name>` from anywhere in the
// workspace, e.g. `go tool staticcheck ./...`.
package tools
