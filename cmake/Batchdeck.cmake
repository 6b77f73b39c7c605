# Shared build helpers. Each app/<domain> folder is one static library, bd_<domain>, built from
# the files its CMakeLists.txt lists; each tests/<domain> folder lists its tst_*.cpp, one CTest
# test each.

function(bd_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  # GCC 12 reports false -Wrestrict errors inside libstdc++'s std::string at -O2 (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(BATCHDECK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# bd_add_domain(<domain> SOURCES <files...> [PUBLIC <targets...>] [PRIVATE <targets...>]):
# the static library bd_<domain>. PUBLIC lists what the domain's headers expose (a user of the
# library compiles against it too); PRIVATE what only its .cpp files use. Headers include each
# other as "<domain>/Header.h", so the app/ root is the one public include directory.
function(bd_add_domain domain)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "bd_add_domain(${domain}): unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  add_library(bd_${domain} STATIC ${ARG_SOURCES})
  target_include_directories(bd_${domain} PUBLIC ${PROJECT_SOURCE_DIR}/app)
  target_link_libraries(bd_${domain} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  bd_warnings(bd_${domain})
endfunction()

# bd_add_tests(TESTS <tst_name...> LIBS <targets...> [LABELS <labels>] [ENV <VAR=value...>]
#              [TIMEOUT s] [EXTRA_SOURCES <files...>]):
# one executable (from <tst_name>.cpp) and one CTest test per listed name.
function(bd_add_tests)
  cmake_parse_arguments(ARG "" "TIMEOUT" "TESTS;LIBS;LABELS;ENV;EXTRA_SOURCES" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "bd_add_tests: unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  foreach(name ${ARG_TESTS})
    add_executable(${name} ${name}.cpp ${ARG_EXTRA_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} Qt6::Test)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    bd_warnings(${name})
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;BATCHDECK_BIN_DIR=${CMAKE_BINARY_DIR}/bin;${ARG_ENV}")
    if(ARG_LABELS)
      set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
    endif()
  endforeach()
endfunction()
