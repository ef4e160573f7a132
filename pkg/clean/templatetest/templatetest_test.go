package templatetest

import (
	"testing"

	"github.com/newsmill/newsmill/pkg/clean"
)

func TestMemoryTemplates(t *testing.T) {
	Run(t, func(t *testing.T, window int) clean.TemplateStore {
		return clean.NewMemoryTemplates(window)
	})
}
