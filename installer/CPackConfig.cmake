# Installation layout and packaging (cpack -G DEB / TGZ from the build folder).
include(GNUInstallDirs)
install(TARGETS batchdeck-cli batchdeck-sandbox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(BATCHDECK_BUILD_GUI)
  install(TARGETS batchdeck RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/installer/batchdeck.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/batchdeck.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

set(CPACK_PACKAGE_NAME batchdeck)
set(CPACK_PACKAGE_VENDOR "Batchdeck")
set(CPACK_PACKAGE_CONTACT "Batchdeck developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libqt6core6, libqt6network6, libqt6sql6-sqlite, libqt6widgets6, libqt6concurrent6, libqt6keychain1, libsecret-1-0, libarchive13, libcpp-httplib0.11 | libcpp-httplib0.14, libmicrohttpd12, libssl3")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
include(CPack)
