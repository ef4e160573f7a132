module github.com/newsmill/newsmill/scripts/tools

go 1.26
