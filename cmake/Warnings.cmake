# Warnings applied to every dl4jfs target through the INTERFACE target dlfs_warnings.
add_library(dlfs_warnings INTERFACE)
target_compile_options(dlfs_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
  -Wcast-qual -Wwrite-strings -Wformat=2 -Wvla -Wdouble-promotion -Wsign-compare
  -Werror=implicit-function-declaration
  -Wno-format-truncation)  # messages are cut on purpose
if(DLFS_WERROR)
  target_compile_options(dlfs_warnings INTERFACE -Werror)
endif()
