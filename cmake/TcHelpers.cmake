# Shared compile settings, one helper to add a module library and one to add a test.

add_library(tc_compile_options INTERFACE)
target_compile_options(tc_compile_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(TC_WERROR)
  target_compile_options(tc_compile_options INTERFACE -Werror)
endif()
if(TC_SANITIZE)
  target_compile_options(tc_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(tc_compile_options INTERFACE -fsanitize=address,undefined)
endif()

if(TC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TC_FUZZ needs Clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  target_compile_options(tc_compile_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(tc_compile_options INTERFACE -fsanitize=address,undefined)
endif()

# tc_add_library(NAME SOURCES ... DEPS ...): a module library tc_NAME, aliased tc::NAME,
# whose headers are included as "NAME/file.hpp" from src/.
function(tc_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(tc_${name} STATIC ${ARG_SOURCES})
  add_library(tc::${name} ALIAS tc_${name})
  target_include_directories(tc_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tc_${name} PUBLIC ${ARG_DEPS} PRIVATE tc_compile_options ${ARG_PRIVATE_DEPS})
endfunction()

# tc_add_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest executable registered with ctest.
# With SERVERS, its tests use the run's PostgreSQL, Redis and nats-server: they require the
# test_servers fixture (tests/CMakeLists.txt) and find them through TC_TEST_SERVERS.
function(tc_add_test name)
  cmake_parse_arguments(ARG "SERVERS" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main tc_compile_options)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  if(ARG_SERVERS)
    target_link_libraries(${name} PRIVATE tc::infra)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES
      FIXTURES_REQUIRED test_servers
      ENVIRONMENT "TC_TEST_SERVERS=${TC_TEST_SERVERS_FILE}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  endif()
  # Labels are set once the tests are discovered (ctest reads this after the discovered list):
  # passed through gtest_discover_tests, a list of several would be split apart.
  if(ARG_LABELS)
    set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(WRITE ${labels_file}
      "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
  endif()
endfunction()
