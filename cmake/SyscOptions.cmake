# Language level, warnings and the sanitizer / fuzzer configurations.
set(CMAKE_C_STANDARD 17)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

option(SYSC_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(SYSC_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
option(SYSC_WERROR "Treat warnings as errors" OFF)

# Warnings for our own sources only (generated parser/lexer code gets a lighter set).
set(SYSC_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes -Wstrict-prototypes
    -Wno-unused-parameter)
if(SYSC_WERROR)
  list(APPEND SYSC_WARNINGS -Werror)
endif()

add_compile_definitions(_POSIX_C_SOURCE=200809L)
if(SYSC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(SYSC_DEBUG=1)
endif()

# sysc_target_warnings(target): turn our warning set on for a target.
function(sysc_target_warnings t)
  target_compile_options(${t} PRIVATE ${SYSC_WARNINGS})
endfunction()
