# Warnings applied to every dl4jfs target through the INTERFACE target dlfs_warnings.
add_library(dlfs_warnings INTERFACE)
target_compile_options(dlfs_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
  -Wcast-qual -Wwrite-strings -Wformat=2 -Wvla -Wdouble-promotion -Wsign-compare
  -Werror=implicit-function-declaration)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  # messages are cut to their buffers on purpose
  target_compile_options(dlfs_warnings INTERFACE -Wno-format-truncation)
endif()
if(DLFS_WERROR)
  target_compile_options(dlfs_warnings INTERFACE -Werror)
endif()
