# install.cmake — what `cmake --install` puts under the prefix, and the
# package files that let other projects use it:
#
#   bin/cairn                              the tool (templates embedded)
#   lib/libcairn.a                         the runtime, static (cairn::cairn)
#   lib/libcairn.so.0.1.0, .so.0, .so      the runtime, shared (cairn::cairn_shared)
#   include/cairn/cairn.h                  its public header (C hooks, hosts)
#   include/cairn/workflow.h               the header generated code includes
#   include/cairn/version.h                CAIRN_VERSION (configured from project())
#   lib/cmake/cairn/cairnConfig.cmake      find_package(cairn): cairn::cairn,
#     cairnConfigVersion.cmake             cairn::cairn_shared, cairn::tool,
#     cairnTargets*.cmake, cairn.cmake       cairn_add_workflow()
#   lib/pkgconfig/cairn.pc                 pkg-config cairn: libcairn.so
#   lib/pkgconfig/cairn-static.pc          pkg-config cairn-static: libcairn.a
#   share/cairn/workflow.schema.json       for editors (docs/editors.md)
#   share/cairn/templates/*.in             copies to start `cairn gen -T DIR` from
#
# Included by generator/CMakeLists.txt once both the runtime and the tool
# targets exist. Every installed path is relative to the prefix, so
# `cmake --install BUILD --prefix P` works for any P.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CAIRN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cairn)
set(CAIRN_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/cairn)

set_target_properties(cairn_runtime PROPERTIES EXPORT_NAME cairn)
set_target_properties(cairn_runtime_shared PROPERTIES EXPORT_NAME cairn_shared)
set_target_properties(cairn PROPERTIES EXPORT_NAME tool)
install(TARGETS cairn_runtime cairn_runtime_shared EXPORT cairnTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cairn EXPORT cairnTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/runtime/include/cairn/cairn.h
  ${PROJECT_SOURCE_DIR}/runtime/include/cairn/workflow.h
  ${PROJECT_BINARY_DIR}/include/cairn/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cairn)
install(EXPORT cairnTargets NAMESPACE cairn:: DESTINATION ${CAIRN_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cairnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cairnConfig.cmake
  INSTALL_DESTINATION ${CAIRN_INSTALL_CMAKEDIR}
  PATH_VARS CAIRN_INSTALL_DATADIR)
# 0.x: a minor version may change the ABI, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cairnConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cairnConfig.cmake ${PROJECT_BINARY_DIR}/cairnConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/cairn.cmake
  DESTINATION ${CAIRN_INSTALL_CMAKEDIR})

# cairn.pc and cairn-static.pc find the prefix from their own folder
# (${pcfiledir}). Two files, because `-lcairn` always finds libcairn.so first
# when both libraries share a folder, and `--static` can only add flags after
# it (Libs.private), never replace it: cairn-static.pc names libcairn.a by path.
file(RELATIVE_PATH CAIRN_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(CAIRN_PC_LIBS_PRIVATE "")
foreach(dep IN ITEMS LUA SQLITE CURL MHD CRYPTO)
  foreach(dir IN LISTS ${dep}_LIBRARY_DIRS)
    if(NOT dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
      list(APPEND CAIRN_PC_LIBS_PRIVATE "-L${dir}")
    endif()
  endforeach()
  foreach(lib IN LISTS ${dep}_LIBRARIES)
    list(APPEND CAIRN_PC_LIBS_PRIVATE "-l${lib}")
  endforeach()
endforeach()
list(APPEND CAIRN_PC_LIBS_PRIVATE -pthread -lm)
list(REMOVE_DUPLICATES CAIRN_PC_LIBS_PRIVATE)
list(JOIN CAIRN_PC_LIBS_PRIVATE " " CAIRN_PC_LIBS_PRIVATE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/cairn.pc.in ${PROJECT_BINARY_DIR}/cairn.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/cairn-static.pc.in ${PROJECT_BINARY_DIR}/cairn-static.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cairn.pc ${PROJECT_BINARY_DIR}/cairn-static.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/schemas/workflow.schema.json DESTINATION ${CAIRN_INSTALL_DATADIR})
install(FILES ${CAIRN_TEMPLATES} DESTINATION ${CAIRN_INSTALL_DATADIR}/templates)
