# Compiler flags shared by every target of the project.
add_library(converge_flags INTERFACE)
target_compile_options(converge_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                -Wnon-virtual-dtor -Wimplicit-fallthrough
                                                # Options structs are built with designated
                                                # initializers that name only what differs from
                                                # the defaults (STYLE.md rule 8); GCC 12 warns
                                                # about every member left out.
                                                -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # Two GCC 12 false positives that would fail -Werror builds: std::variant members (Result<T>)
  # reported as maybe-uninitialized (GCC bug 80635), and `"literal" + std::string` reported as
  # an overlapping memcpy at -O3 (GCC bug 105329).
  target_compile_options(converge_flags INTERFACE -Wno-maybe-uninitialized -Wno-restrict)
endif()
if(CONVERGE_WERROR)
  target_compile_options(converge_flags INTERFACE -Werror)
endif()
if(CONVERGE_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_options(converge_flags INTERFACE ${_san})
  target_link_options(converge_flags INTERFACE ${_san})
endif()
