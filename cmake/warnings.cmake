# One place for warning flags. -Werror applies to our own targets only and is
# never exported through an interface.
function(sluice_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wimplicit-fallthrough -Werror
    # No -Wnull-dereference: at -O3 g++ 12 reports paths inlined from
    # nlohmann::json (a false positive that broke CI on one machine only).
    # g++ 12 at -O3 reports std::string concatenation as overlapping memcpy
    # (GCC bug 105651, a false positive); nothing of ours uses restrict.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()
