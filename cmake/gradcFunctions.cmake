# gradcFunctions.cmake: run gradc at build time from CMake.
#
#   gradc_add_gradients(<target> <source>... [OPTIONS <gradc-arg>...])
#
# For each <source> (a C file with GRADC_* annotations, relative to the current
# source directory or absolute), a custom command runs
#
#   gradc <source> -o <bindir>/<name>_grad.c --header <bindir>/<name>_grad.h
#         -MD -MF <bindir>/<name>_grad.c.d  -I... -D... [-std=...] <OPTIONS>
#
# where <bindir> is CMAKE_CURRENT_BINARY_DIR and <name> the source's name
# without its extension. The -I and -D flags are <target>'s include directories
# and compile definitions (with those of the libraries it links), and -std
# follows its C_STANDARD, so gradc parses the source as the compiler does.
# <name>_grad.c is added to <target>'s sources, <bindir> to its include path
# (so `#include "<name>_grad.h"` works) and gradc::runtime to its libraries
# (target_link_libraries with the PRIVATE keyword).
#
# The generated files are rebuilt when the source, any header it includes
# (through gradc's depfile) or gradc itself changes. The <source> itself is not
# added to <target>: compile it as usual, the generated file never defines the
# user's functions again.
#
# Needs the imported executable gradc::gradc (find_package(gradc) defines it; in
# gradc's own build tree it is an alias of the gradc target).

if(COMMAND gradc_add_gradients)
  return()
endif()

function(gradc_add_gradients target)
  cmake_parse_arguments(PARSE_ARGV 1 GRADC_ARG "" "" "OPTIONS")
  if(NOT TARGET ${target})
    message(FATAL_ERROR "gradc_add_gradients: '${target}' is not a target")
  endif()
  if(NOT TARGET gradc::gradc)
    message(FATAL_ERROR "gradc_add_gradients: no gradc::gradc target; call find_package(gradc) first")
  endif()
  if(NOT GRADC_ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "gradc_add_gradients: no source files given for '${target}'")
  endif()

  # The flags gradc needs to parse the source as the compiler would.
  set(incs "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  set(defs "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  set(std_ "$<TARGET_PROPERTY:${target},C_STANDARD>")
  set(ext_ "$<TARGET_PROPERTY:${target},C_EXTENSIONS>")
  # CMake's default for an unset C_EXTENSIONS is ON (-std=gnuNN).
  set(gnu_ "$<OR:$<STREQUAL:${ext_},>,$<BOOL:${ext_}>>")
  # Each flag stays one quoted argument here; COMMAND_EXPAND_LISTS splits the
  # joined lists into separate arguments once they are evaluated.
  set(flag_i "$<$<BOOL:${incs}>:-I$<JOIN:${incs},$<SEMICOLON>-I>>")
  set(flag_d "$<$<BOOL:${defs}>:-D$<JOIN:${defs},$<SEMICOLON>-D>>")
  set(flag_std "$<$<BOOL:${std_}>:-std=$<IF:${gnu_},gnu,c>${std_}>")

  foreach(src IN LISTS GRADC_ARG_UNPARSED_ARGUMENTS)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(name "${src}" NAME_WE)
    set(out_c "${CMAKE_CURRENT_BINARY_DIR}/${name}_grad.c")
    set(out_h "${CMAKE_CURRENT_BINARY_DIR}/${name}_grad.h")
    set(dep "${CMAKE_CURRENT_BINARY_DIR}/${name}_grad.c.d")
    # A depfile needs CMake 3.20 with Makefiles; before that, let make scan
    # the source for includes itself.
    if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.20 OR CMAKE_GENERATOR MATCHES "Ninja")
      set(deps_how DEPFILE "${dep}")
    else()
      set(deps_how IMPLICIT_DEPENDS C "${abs}")
    endif()
    add_custom_command(
      OUTPUT "${out_c}" "${out_h}"
      COMMAND gradc::gradc "${abs}" -o "${out_c}" --header "${out_h}"
              -MD -MF "${dep}"
              "${flag_i}" "${flag_d}" "${flag_std}" ${GRADC_ARG_OPTIONS}
      DEPENDS "${abs}" gradc::gradc
      ${deps_how}
      COMMENT "gradc: generating ${name}_grad.c from ${src}"
      COMMAND_EXPAND_LISTS VERBATIM)
    target_sources(${target} PRIVATE "${out_c}" "${out_h}")
  endforeach()
  target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_BINARY_DIR}")
  target_link_libraries(${target} PRIVATE gradc::runtime)
endfunction()
