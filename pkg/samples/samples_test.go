package samples

import "testing"

func TestSeedsLoad(t *testing.T) {
	seeds, err := Seeds()
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 5 {
		t.Fatalf("got %d seeds, want 5", len(seeds))
	}
	for _, s := range seeds {
		if len(s.Body) == 0 || s.Expect.Language == "" || s.Expect.BodyStarts == "" {
			t.Errorf("seed %s: empty body or expectation", s.Name)
		}
	}
}
