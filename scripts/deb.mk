# make deb: Debian packages famfs-tools, famfs-dkms and famfs-dev, built with
# dpkg-buildpackage -us -uc -b in a copy of the tree under $(DEB_OUT)/src, so
# the tree itself stays clean; the .debs land in $(DEB_OUT).
# make deps-deb installs what the Debian build needs (also done by make deb).
DEB_OUT      ?= build/deb
DEB_PKGS_DEB := debhelper dh-dkms dkms dpkg-dev fakeroot pandoc busybox-static
.PHONY: deb deps-deb
deps-deb:
	@bash scripts/deps.sh $(DEB_PKGS) $(DEB_PKGS_DEB)
deb: deps-deb
	@nice bash scripts/build-deb.sh $(DEB_OUT) $(FAMFS_VERSION)
