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
# Example:
#   add_executable(order_host)
#   cairn_add_workflow(TARGET order_host YAML order.yaml
#                      HOOKS order.lua order_charge.c MAIN)

include_guard(GLOBAL)

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
