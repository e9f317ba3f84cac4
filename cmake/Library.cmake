# converge_library(NAME SOURCES ... DEPS ...): one static library per folder. Its public header
# is included as "<folder>/<name>.h" from the repository root.
function(converge_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE converge_flags)
endfunction()
