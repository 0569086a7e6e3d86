# docs/: man pages from docs/NAME.SECTION.md (e.g. famfsd.8.md -> $(B)/man/famfsd.8).
#   make man      build them with pandoc; says so and skips when pandoc is missing
# The first line "# name(N) — summary" gives the NAME section when a page has none.
MAN_SRCS  := $(wildcard docs/*.[1-8].md)
MAN_PAGES := $(MAN_SRCS:docs/%.md=$(B)/man/%)

.PHONY: man
ifneq ($(shell command -v pandoc 2>/dev/null),)
man: $(MAN_PAGES)
else
man:
	@echo "man: pandoc is not installed (apt-get install pandoc); man pages skipped"
endif

$(B)/man/%: docs/%.md
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  PANDOC  $<")
	$(Q)hasname=$$(grep -c '^## NAME' $< || true); \
	awk -v hasname=$$hasname 'NR == 1 && /^# / { \
		if (!hasname) { sub(/^# /, ""); sub(/\([0-9]\)/, ""); print "## NAME\n\n" $$0 "\n" } \
		next } { print }' $< | \
	pandoc -s -f markdown -t man --shift-heading-level-by=-1 \
		-M title=$(basename $*) -M section=$(subst .,,$(suffix $*)) \
		-M header="famfs manual" -M footer=famfs -o $@
