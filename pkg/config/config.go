// Package config fills a service's configuration struct from, in rising
// order of precedence, the defaults already set in it, NEWSMILL_*
// environment variables and command-line flags, then validates it. One
// visible struct per binary holds every setting and its default; there are
// no globals.
//
// It imports the standard library only and must not import NATS, Redis or
// any domain package.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// EnvPrefix starts every environment variable read by [Load].
const EnvPrefix = "NEWSMILL_"

// ErrHelp is returned by [Load] when the arguments asked for help (-h,
// -help, --help); the usage has been printed. A main should exit 0.
var ErrHelp = flag.ErrHelp

// Validator is implemented by configuration structs that check themselves;
// [Load] calls Validate after filling the struct.
type Validator interface {
	Validate() error
}

// Load fills cfg, a pointer to a struct, from the values already in it
// (the defaults), then NEWSMILL_<NAME> environment variables, then flags in
// args (os.Args[1:] for a main); name is the program name shown in the
// usage. Finally it calls cfg's Validate method, if it has one.
//
// Each exported field is one setting. Its name is the `conf:"name"` tag, or
// the field name in snake case (HTTPAddr → http_addr); the flag is -name and
// the variable NEWSMILL_ + NAME in upper case (NEWSMILL_HTTP_ADDR); a
// variable set to "" counts as unset, so a templated empty value keeps the
// default (use the flag to clear a setting). A
// `help:"…"` tag describes it in the usage. `conf:"-"` skips a field.
// Fields of a nested struct take its name as a prefix (NATS.URL → nats_url);
// an embedded struct, or a struct field tagged `conf:",inline"`, adds no
// prefix (a daemon.Config shared by every binary).
//
// Supported types: string, int, int64, float64, bool (a bare -flag means
// true), time.Duration ("1m30s") and []string (comma-separated, spaces
// trimmed, empty items dropped; an empty value gives an empty list). Any
// other type is an error naming the field.
//
// -h prints a usage listing every flag with its variable and default to
// standard error and returns [ErrHelp]. A value that does not parse is an
// error naming the field, the variable or flag, and the value; positional
// arguments are an error. cfg is left partly filled on error.
func Load[T any](name string, args []string, cfg *T) error {
	return load(name, args, cfg, os.LookupEnv, os.Stderr)
}

// Usage returns the usage Load prints for -h, listing the settings of cfg
// with their current values as defaults.
func Usage[T any](name string, cfg *T) (string, error) {
	fields, err := settings(cfg)
	if err != nil {
		return "", err
	}
	defaults := make([]string, len(fields))
	for i, s := range fields {
		defaults[i] = format(s.value)
	}
	var b strings.Builder
	writeUsage(&b, name, fields, defaults)
	return b.String(), nil
}

// setting is one leaf field of the configuration struct.
type setting struct {
	name  string // flag name: nats_url
	env   string // NEWSMILL_NATS_URL
	field string // Go path for errors: NATS.URL
	help  string
	typ   string        // type shown in the usage: string, duration, list
	value reflect.Value // addressable field
}

func load[T any](name string, args []string, cfg *T, lookup func(string) (string, bool), out io.Writer) error {
	if cfg == nil {
		return errors.New("loading config: nil config")
	}
	fields, err := settings(cfg)
	if err != nil {
		return err
	}
	defaults := make([]string, len(fields))
	for i, s := range fields {
		defaults[i] = format(s.value)
	}

	for _, s := range fields {
		v, ok := lookup(s.env)
		if !ok || v == "" {
			continue
		}
		if err := set(s.value, v); err != nil {
			return fmt.Errorf("loading config: %s=%q for field %s: %w", s.env, v, s.field, err)
		}
	}

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, usage is printed for -h only
	for i, s := range fields {
		fs.Var(&flagValue{s: s, def: defaults[i]}, s.name, s.help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeUsage(out, name, fields, defaults)
			return ErrHelp
		}
		return fmt.Errorf("loading config: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loading config: unexpected argument %q (settings are -flags)", fs.Arg(0))
	}

	if v, ok := any(cfg).(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("validating config: %w", err)
		}
	}
	return nil
}

func writeUsage(w io.Writer, name string, fields []setting, defaults []string) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\nEvery flag may also be set with the environment variable shown; a flag wins over its variable.\n\n", name)
	for i, s := range fields {
		fmt.Fprintf(w, "  -%s %s\n", s.name, s.typ)
		if s.help != "" {
			fmt.Fprintf(w, "    \t%s\n", s.help)
		}
		fmt.Fprintf(w, "    \t(env %s, default %q)\n", s.env, defaults[i])
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// settings lists the leaf fields of *cfg, which must be a struct.
func settings(cfg any) ([]setting, error) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("loading config: want a pointer to a struct, got %T", cfg)
	}
	var out []setting
	if err := walk(v.Elem(), "", "", &out); err != nil {
		return nil, err
	}
	seen := make(map[string]string, len(out))
	for _, s := range out {
		if prev, dup := seen[s.name]; dup {
			return nil, fmt.Errorf("loading config: fields %s and %s both use the name %q", prev, s.field, s.name)
		}
		seen[s.name] = s.field
	}
	return out, nil
}

func walk(v reflect.Value, prefix, path string, out *[]setting) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		// Exported fields of an unexported embedded struct are settable.
		if !sf.IsExported() && !(sf.Anonymous && sf.Type.Kind() == reflect.Struct) {
			continue
		}
		tag := sf.Tag.Get("conf")
		if tag == "-" {
			continue
		}
		tagName, opts, _ := strings.Cut(tag, ",")
		name := tagName
		if name == "" {
			name = snake(sf.Name)
		}
		fv := v.Field(i)
		fpath := path + sf.Name
		if sf.Type.Kind() == reflect.Struct && sf.Type != durationType {
			sub := prefix + name + "_"
			if (sf.Anonymous && tagName == "") || opts == "inline" {
				sub = prefix
			}
			if err := walk(fv, sub, fpath+".", out); err != nil {
				return err
			}
			continue
		}
		typ, err := kindName(sf.Type)
		if err != nil {
			return fmt.Errorf("loading config: field %s: %w", fpath, err)
		}
		full := prefix + name
		*out = append(*out, setting{
			name:  full,
			env:   EnvPrefix + strings.ToUpper(strings.ReplaceAll(full, "-", "_")),
			field: fpath,
			help:  sf.Tag.Get("help"),
			typ:   typ,
			value: fv,
		})
	}
	return nil
}

func kindName(t reflect.Type) (string, error) {
	if t == durationType {
		return "duration", nil
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Int, reflect.Int64:
		return "int", nil
	case reflect.Float64:
		return "float", nil
	case reflect.Bool:
		return "bool", nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "list", nil
		}
	}
	return "", fmt.Errorf("unsupported type %s", t)
}

// snake turns a Go field name into snake case, keeping initialisms
// together: HTTPAddr → http_addr, MaxAge → max_age, URL → url, S3Bucket →
// s3_bucket.
func snake(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// set parses s into the field v.
func set(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("parsing duration: %w", err)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 0, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("parsing integer: %w", errors.Unwrap(err))
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("parsing number: %w", errors.Unwrap(err))
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("parsing bool (want true or false): %w", errors.Unwrap(err))
		}
		v.SetBool(b)
	case reflect.Slice:
		items := []string{}
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items).Convert(v.Type()))
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// format renders the field v as Load would parse it back.
func format(v reflect.Value) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = v.Index(i).String()
		}
		return strings.Join(items, ",")
	}
	return ""
}

// flagValue adapts one setting to [flag.Value].
type flagValue struct {
	s   setting
	def string
}

func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.def
}

func (f *flagValue) Set(v string) error {
	if err := set(f.s.value, v); err != nil {
		return fmt.Errorf("field %s: %w", f.s.field, err)
	}
	return nil
}

// IsBoolFlag lets a bare -flag mean true for bool settings.
func (f *flagValue) IsBoolFlag() bool { return f.s.value.Kind() == reflect.Bool }
