module github.com/newsmill/newsmill/services

go 1.26.0

require github.com/newsmill/newsmill/pkg v0.0.0

require github.com/compose-spec/compose-go/v2 v2.16.2 // indirect

replace github.com/newsmill/newsmill/pkg => ../pkg
