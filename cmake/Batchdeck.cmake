# Shared build helpers. Each app/<domain> folder is one static library, named bd_<domain>;
# each tests/<domain> folder turns every tst_*.cpp into one CTest test.

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

# bd_add_domain(<domain> DEPS <targets...>): a static library from every .cpp/.h in the folder
# except main.cpp (executables are declared by the folder itself).
function(bd_add_domain domain)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  add_library(bd_${domain} STATIC ${sources})
  target_include_directories(bd_${domain} PUBLIC ${PROJECT_SOURCE_DIR}/app)
  target_link_libraries(bd_${domain} PUBLIC ${ARG_DEPS})
  target_compile_definitions(bd_${domain} PUBLIC BATCHDECK_VERSION="${PROJECT_VERSION}")
  bd_warnings(bd_${domain})
endfunction()

# bd_add_tests(LIBS <targets...> [LABELS <labels>] [ENV <VAR=value...>] [TIMEOUT s]):
# one executable and one CTest test per tst_*.cpp in the current folder.
function(bd_add_tests)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LIBS;LABELS;ENV;EXTRA_SOURCES" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tst_*.cpp)
  foreach(src ${tests})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src} ${ARG_EXTRA_SOURCES})
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
