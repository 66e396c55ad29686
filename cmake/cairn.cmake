# cairn.cmake — build-time generation of cairn workflows.
#
#   cairn_add_workflow(TARGET target YAML file [HOOKS file...] [OUTPUT_DIR dir]
#                      [MAIN] [SHARED])
#   cairn_add_workflow(target yaml [HOOKS file...] [OUTPUT_DIR dir] [MAIN] [SHARED])
#
# The two forms are the same call: keywords (as issue 4 writes it), or the
# target and the YAML first, positionally (what the examples use).
#
# At build time, runs `cairn gen YAML -o <dir> [--main]` (from the folder of
# the calling CMakeLists.txt, with YAML relative to it, so the generated files
# name no absolute path) and adds to the target:
#   - the generated NAME.c (and main.c with MAIN: a ready host main() that
#     runs this workflow; give MAIN to one workflow of a target);
#   - every `.c` file among HOOKS (the `run: { c: SYMBOL }` functions);
#   - the generated folder as an include directory (so hooks can include NAME.h);
#   - libcairn, linked PRIVATE: cairn::cairn (static) by default,
#     cairn::cairn_shared (libcairn.so) with SHARED or when the variable
#     CAIRN_LINK_SHARED is true where cairn_add_workflow is called. (Inside
#     the cairn tree, the variable CAIRN_RUNTIME_TARGET replaces the static
#     one: its tests and examples link cairn_runtime_test, with test hooks.)
# <dir> is OUTPUT_DIR (relative to the current binary folder), by default
# <binary dir>/cairn_gen/<target>/<name>: per target, so one workflow can serve
# several targets (one with MAIN, one without) in the same directory. With
# OUTPUT_DIR, give each workflow its own folder (main.c has one name).
#
# The generation reruns when the YAML, any HOOKS file (list the Lua hooks file
# here too: it is embedded in the generated C) or the templates change —
# through the cairn tool, which embeds its templates: the generation depends
# on the tool binary, rebuilt in the cairn tree when a templates/*.in file
# changes, and, in that tree, on the templates/*.in files themselves. (The
# installed share/cairn/templates are copies that `cairn gen` does not read,
# so an installed tool's binary is the dependency that counts.) And only then:
# `cairn gen` leaves unchanged files untouched, so nothing recompiles
# needlessly. (With Makefiles, an input touched without a change makes the
# cheap generation rerun on each build until the output changes; Ninja
# restats and stops.)
#
# `name:` is read from the YAML at configure time (the top-level `name:` line);
# the YAML is a configure dependency, so renaming the workflow reconfigures.
#
# Which cairn runs: CAIRN_EXECUTABLE if set (the cairn source tree sets it to
# $<TARGET_FILE:cairn>; the installed package, cairnConfig.cmake, to its own
# bin/cairn, $<TARGET_FILE:cairn::tool>), else the `cairn` program found on
# PATH. The generation depends on that program too, so a new cairn regenerates.
#
#   cairn_add_lambda(target yaml [HOOKS file...] [ZIP file] [BUNDLE_LIBS])
#   cairn_add_lambda(TARGET target YAML file [HOOKS file...] [ZIP file] [BUNDLE_LIBS])
#
# An AWS Lambda custom runtime for one workflow (docs/lambda.md): a new
# executable target named `target`, whose file is `bootstrap` in the folder
# <binary dir>/<target> (the host cairn_add_workflow(... MAIN) makes, linked
# static; started with no arguments and AWS_LAMBDA_RUNTIME_API set, it runs
# the Runtime API loop), and, built with it, the zip Lambda takes:
# ZIP (relative to the current binary folder; by default <target>.zip) with
# `bootstrap` at its root, made with CMake's own `cmake -E tar --format=zip`.
# With BUNDLE_LIBS the zip also holds lib/: the shared libraries bootstrap
# loads (libcurl, Lua, SQLite, cJSON, ... and theirs, as resolved on the build
# machine), all but the C library's own, which the runtime image provides;
# Lambda puts /var/task/lib on LD_LIBRARY_PATH. The zip's contents are also
# left unpacked in <binary dir>/<target>.package (what a Dockerfile copies).
# The zip is rebuilt when the bootstrap is. (Script mode, below: this file run with `cmake -P` by that
# build step.)
#
# Example:
#   add_executable(order_host)
#   cairn_add_workflow(TARGET order_host YAML order.yaml
#                      HOOKS order.lua order_charge.c MAIN)

include_guard(GLOBAL)

# Script mode: `cmake -DCAIRN_LAMBDA_STAGE=dir -DCAIRN_LAMBDA_BOOTSTRAP=file
# -DCAIRN_LAMBDA_ZIP=file [-DCAIRN_LAMBDA_BUNDLE=ON] -P cairn.cmake`, run by
# cairn_add_lambda's build step: stages bootstrap (and lib/) and zips them.
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED CAIRN_LAMBDA_STAGE)
  file(REMOVE_RECURSE "${CAIRN_LAMBDA_STAGE}")
  file(MAKE_DIRECTORY "${CAIRN_LAMBDA_STAGE}")
  file(COPY_FILE "${CAIRN_LAMBDA_BOOTSTRAP}" "${CAIRN_LAMBDA_STAGE}/bootstrap")
  file(CHMOD "${CAIRN_LAMBDA_STAGE}/bootstrap" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(entries bootstrap)
  if(CAIRN_LAMBDA_BUNDLE)
    # every library bootstrap loads but glibc's (the runtime image has its own)
    file(GET_RUNTIME_DEPENDENCIES
      EXECUTABLES "${CAIRN_LAMBDA_BOOTSTRAP}"
      RESOLVED_DEPENDENCIES_VAR libs
      UNRESOLVED_DEPENDENCIES_VAR missing
      POST_EXCLUDE_REGEXES
        "/(ld-linux[^/]*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl|libmvec|libBrokenLocale)\\.so[^/]*$")
    if(missing)
      message(FATAL_ERROR "cairn_add_lambda: bootstrap needs libraries not found: ${missing}")
    endif()
    file(MAKE_DIRECTORY "${CAIRN_LAMBDA_STAGE}/lib")
    foreach(lib IN LISTS libs)
      get_filename_component(libname "${lib}" NAME)
      file(COPY_FILE "${lib}" "${CAIRN_LAMBDA_STAGE}/lib/${libname}") # follows the symlink
    endforeach()
    list(APPEND entries lib)
  endif()
  file(REMOVE "${CAIRN_LAMBDA_ZIP}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -E tar cf "${CAIRN_LAMBDA_ZIP}" --format=zip ${entries}
                  WORKING_DIRECTORY "${CAIRN_LAMBDA_STAGE}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cairn_add_lambda: cmake -E tar failed (${rc})")
  endif()
  return()
endif()

set_property(GLOBAL PROPERTY CAIRN_CMAKE_FILE "${CMAKE_CURRENT_LIST_FILE}")

if(NOT CAIRN_EXECUTABLE)
  find_program(CAIRN_EXECUTABLE cairn)
  if(NOT CAIRN_EXECUTABLE)
    message(FATAL_ERROR "cairn.cmake: the `cairn` program was not found; set CAIRN_EXECUTABLE")
  endif()
endif()

function(cairn_add_workflow)
  # Keyword form: TARGET and YAML are keywords; positional: the first two arguments.
  set(options MAIN SHARED)
  set(one_value OUTPUT_DIR)
  if(ARGC GREATER 0 AND ARGV0 STREQUAL "TARGET")
    cmake_parse_arguments(PARSE_ARGV 0 arg "${options}" "TARGET;YAML;${one_value}" "HOOKS")
    set(target "${arg_TARGET}")
    set(yaml "${arg_YAML}")
    if(target STREQUAL "" OR yaml STREQUAL "")
      message(FATAL_ERROR "cairn_add_workflow: TARGET and YAML each need a value")
    endif()
  else()
    if(ARGC LESS 2)
      message(FATAL_ERROR "cairn_add_workflow: usage: cairn_add_workflow(TARGET name YAML file "
                          "[HOOKS file...] [OUTPUT_DIR dir] [MAIN] [SHARED])")
    endif()
    set(target "${ARGV0}")
    set(yaml "${ARGV1}")
    cmake_parse_arguments(PARSE_ARGV 2 arg "${options}" "${one_value}" "HOOKS")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cairn_add_workflow(${target}): unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(DEFINED arg_KEYWORDS_MISSING_VALUES AND NOT arg_KEYWORDS_MISSING_VALUES STREQUAL "")
    message(FATAL_ERROR "cairn_add_workflow(${target}): no value for ${arg_KEYWORDS_MISSING_VALUES}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "cairn_add_workflow(${target}): no such target")
  endif()

  get_filename_component(yaml_abs "${yaml}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${yaml_abs}")
    message(FATAL_ERROR "cairn_add_workflow(${target}): ${yaml_abs} does not exist")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${yaml_abs}")

  # The workflow name: the top-level (unindented) `name:` line.
  file(STRINGS "${yaml_abs}" name_lines REGEX "^name:")
  set(name "")
  foreach(line IN LISTS name_lines)
    if(line MATCHES "^name:[ \t]*[\"']?([a-z][a-z0-9_]*)[\"']?[ \t]*(#.*)?$")
      set(name "${CMAKE_MATCH_1}")
      break()
    endif()
  endforeach()
  if(name STREQUAL "")
    message(FATAL_ERROR
      "cairn_add_workflow(${target}): ${yaml_abs} has no top-level `name:` line "
      "with a valid workflow name ([a-z][a-z0-9_]*), e.g. `name: order`")
  endif()

  if(DEFINED arg_OUTPUT_DIR)
    get_filename_component(outdir "${arg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(outdir "${CMAKE_CURRENT_BINARY_DIR}/cairn_gen/${target}/${name}")
  endif()
  set(outputs "${outdir}/${name}.c" "${outdir}/${name}.h")
  set(main_flag "")
  if(arg_MAIN)
    list(APPEND outputs "${outdir}/main.c")
    set(main_flag "--main")
  endif()

  set(hooks_abs "")
  set(hooks_c "")
  foreach(h IN LISTS arg_HOOKS)
    get_filename_component(h_abs "${h}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND hooks_abs "${h_abs}")
    if(h_abs MATCHES "\\.c$")
      list(APPEND hooks_c "${h_abs}")
    endif()
  endforeach()

  # The tool embeds the templates: depending on it covers them. In the cairn
  # tree, depend on the template sources as well (they are what the tool is
  # rebuilt from).
  set(template_deps "")
  if(TARGET cairn)
    set(tool_dep cairn)
    if(DEFINED cairn_SOURCE_DIR)
      file(GLOB template_deps CONFIGURE_DEPENDS "${cairn_SOURCE_DIR}/templates/*.in")
    endif()
  elseif(TARGET cairn::tool)
    set(tool_dep $<TARGET_FILE:cairn::tool>)
  else()
    set(tool_dep "${CAIRN_EXECUTABLE}")
  endif()

  file(RELATIVE_PATH yaml_rel "${CMAKE_CURRENT_SOURCE_DIR}" "${yaml_abs}")
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CAIRN_EXECUTABLE} gen "${yaml_rel}" -o "${outdir}" ${main_flag}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    DEPENDS "${yaml_abs}" ${hooks_abs} ${tool_dep} ${template_deps}
    COMMENT "Generating ${name}.c from ${yaml_rel}"
    VERBATIM)

  target_sources(${target} PRIVATE ${outputs} ${hooks_c})
  target_include_directories(${target} PRIVATE "${outdir}")
  if(arg_SHARED OR CAIRN_LINK_SHARED)
    target_link_libraries(${target} PRIVATE cairn::cairn_shared)
  elseif(CAIRN_RUNTIME_TARGET)
    target_link_libraries(${target} PRIVATE ${CAIRN_RUNTIME_TARGET})
  else()
    target_link_libraries(${target} PRIVATE cairn::cairn)
  endif()
endfunction()

function(cairn_add_lambda)
  set(options BUNDLE_LIBS)
  if(ARGC GREATER 0 AND ARGV0 STREQUAL "TARGET")
    cmake_parse_arguments(PARSE_ARGV 0 arg "${options}" "TARGET;YAML;ZIP" "HOOKS")
    set(target "${arg_TARGET}")
    set(yaml "${arg_YAML}")
  else()
    if(ARGC LESS 2)
      message(FATAL_ERROR "cairn_add_lambda: usage: cairn_add_lambda(target yaml [HOOKS file...] "
                          "[ZIP file] [BUNDLE_LIBS])")
    endif()
    set(target "${ARGV0}")
    set(yaml "${ARGV1}")
    cmake_parse_arguments(PARSE_ARGV 2 arg "${options}" "ZIP" "HOOKS")
  endif()
  if(target STREQUAL "" OR yaml STREQUAL "")
    message(FATAL_ERROR "cairn_add_lambda: TARGET and YAML each need a value")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cairn_add_lambda(${target}): unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(TARGET ${target})
    message(FATAL_ERROR "cairn_add_lambda(${target}): the target already exists (cairn_add_lambda makes it)")
  endif()
  add_executable(${target})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME bootstrap
                        RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  set(CAIRN_LINK_SHARED OFF) # Lambda runs the zip: libcairn goes in the binary
  set(hooks "")
  if(arg_HOOKS)
    set(hooks HOOKS ${arg_HOOKS})
  endif()
  cairn_add_workflow(TARGET ${target} YAML "${yaml}" ${hooks} MAIN)
  get_property(cairn_cmake_file GLOBAL PROPERTY CAIRN_CMAKE_FILE)

  if(arg_ZIP)
    get_filename_component(zip "${arg_ZIP}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(zip "${CMAKE_CURRENT_BINARY_DIR}/${target}.zip")
  endif()
  set(bundle OFF)
  if(arg_BUNDLE_LIBS)
    set(bundle ON)
  endif()
  add_custom_command(
    OUTPUT "${zip}"
    COMMAND "${CMAKE_COMMAND}" "-DCAIRN_LAMBDA_STAGE=${CMAKE_CURRENT_BINARY_DIR}/${target}.package"
            "-DCAIRN_LAMBDA_BOOTSTRAP=$<TARGET_FILE:${target}>" "-DCAIRN_LAMBDA_ZIP=${zip}"
            "-DCAIRN_LAMBDA_BUNDLE=${bundle}" -P "${cairn_cmake_file}"
    DEPENDS ${target} "${cairn_cmake_file}"
    COMMENT "Packaging ${target}: bootstrap into ${zip}"
    VERBATIM)
  add_custom_target(${target}_zip ALL DEPENDS "${zip}")
endfunction()
