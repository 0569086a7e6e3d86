# tests/packaging/: make install and the Debian packages.
#   make check-install   make install into a temp DESTDIR; expected files, versions, client library (part of make check)
#   make check-deb       make deb, package contents, install famfs-tools into a fresh dpkg root and
#                        run it there, build famfs.ko from famfs-dkms with dkms in a private tree
#                        (part of make check; about 40 s once its packages are installed)
.PHONY: check-install check-deb
check-install: all
	@B=$(B) MAKE="$(MAKE)" bash tests/packaging/test_install.sh
CHECK_TARGETS += check-install

check-deb: deb
	@B=$(B) DEB_OUT=$(DEB_OUT) bash tests/packaging/test_deb.sh
CHECK_TARGETS += check-deb
