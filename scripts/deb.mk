# make deb: Debian packages famfs-tools, famfs-dkms and famfs-dev, built with
# dpkg-buildpackage -us -uc -b in a copy of the tree under $(DEB_OUT)/src, so
# the tree itself stays clean; the .debs land in $(DEB_OUT).
# make deps-deb (scripts/deps.mk) installs what the Debian build needs.
DEB_OUT      ?= build/deb
.PHONY: deb
deb: deps-deb
	@nice bash scripts/build-deb.sh $(DEB_OUT) $(FAMFS_VERSION)
