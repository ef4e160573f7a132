module github.com/newsmill/newsmill/services

go 1.26

require github.com/newsmill/newsmill/pkg v0.0.0

replace github.com/newsmill/newsmill/pkg => ../pkg
