# SLUICE_SANITIZE=address,undefined | thread: applied to every target we build.
set(SLUICE_SANITIZE "" CACHE STRING "Sanitizers to build with (address,undefined or thread)")
if(SLUICE_SANITIZE)
  add_compile_options(-fsanitize=${SLUICE_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${SLUICE_SANITIZE})
  if(SLUICE_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
