# One place for warning flags. -Werror applies to our own targets only and is
# never exported through an interface.
function(sluice_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough -Werror
    # g++ 12 at -O3 reports std::string concatenation as overlapping memcpy
    # (GCC bug 105651, a false positive); nothing of ours uses restrict.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()
