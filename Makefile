# Make verbs are one-liners into scripts/ or the go tool; the README names them.
.PHONY: test lint fuzz bench bench-extract train-classifier eval-classifier golden up build tidy docker

test:        ## every check and test, with real NATS (embedded) and Redis
	scripts/test

lint:        ## gofmt, go vet and staticcheck over every module
	scripts/lint

fuzz:        ## run each fuzz target for FUZZTIME (default 30s)
	scripts/fuzz

bench:       ## the pipeline under load: articles/s and latency percentiles
	scripts/bench

bench-extract: ## extraction quality and speed beside go-trafilatura and go-readability
	cd scripts/benchextract && go run . -cpu 1

train-classifier: ## rebuild the language and topic models from pkg/classify/corpus (same files, same bytes)
	go run ./services/tools/classify train

eval-classifier: ## per-class precision, recall and macro-F1; DATA=dir adds labelled sets kept outside the repository
	go run ./services/tools/classify eval $(if $(DATA),-data $(DATA))

golden:      ## rewrite golden files after an intended change
	go test $$(go list -m -f '{{.Dir}}/...') -run Golden -update

up:          ## the whole pipeline in one process with the sample sources
	go run ./services/newsctl up

build:       ## the five binaries into bin/
	go build -o bin/ ./services/fetcher ./services/cleaner ./services/deduplicator ./services/classifier ./services/newsctl

tidy:        ## go mod tidy per module, then go work sync
	for m in $$(go list -m -f '{{.Dir}}'); do (cd $$m && go mod tidy); done && go work sync

docker:      ## build the service image (needs a Docker engine)
	docker build -f deploy/Dockerfile -t newsmill:dev .
