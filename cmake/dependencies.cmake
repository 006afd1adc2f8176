# Builds the third-party libraries from their unpacked Debian source packages for the current target.

# libsrtp2 with its built-in crypto (no OpenSSL), through its own CMake project.
set(ENABLE_OPENSSL OFF CACHE BOOL "" FORCE)
set(ENABLE_MBEDTLS OFF CACHE BOOL "" FORCE)
set(ENABLE_NSS OFF CACHE BOOL "" FORCE)
set(TEST_APPS OFF CACHE BOOL "" FORCE)
set(BUILD_WITH_WARNINGS OFF CACHE BOOL "" FORCE)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
if(EMSCRIPTEN)
  # Without this libsrtp2 derives its CPU assumptions from the host (x86) instead of wasm32.
  set(CMAKE_SYSTEM_PROCESSOR wasm32)
endif()
add_subdirectory(${PT_SRTP_SOURCE_DIR} ${CMAKE_BINARY_DIR}/third_party/srtp2 EXCLUDE_FROM_ALL)
# The list of streams is ours (src/media/srtp_stream_list.c says why), through libsrtp2's own extension point.
target_compile_definitions(srtp2 PRIVATE SRTP_NO_STREAM_LIST)
target_sources(srtp2 PRIVATE ${CMAKE_SOURCE_DIR}/src/media/srtp_stream_list.c)
if(EMSCRIPTEN)
  # srtp_init runs each cipher and auth type against its test vectors, on every page load; the wasm
  # build leaves that to our tests (src/media/srtp_self_tests.c), which saves every browser app the
  # self-tests' code: 4.1 KB (1.3 KB gzip).
  set_source_files_properties(${PT_SRTP_SOURCE_DIR}/crypto/kernel/crypto_kernel.c TARGET_DIRECTORY srtp2 PROPERTIES
    COMPILE_DEFINITIONS "srtp_cipher_type_self_test=pt_srtp_cipher_self_test_at_test_time;srtp_auth_type_self_test=pt_srtp_auth_self_test_at_test_time")
  target_sources(srtp2 PRIVATE ${CMAKE_SOURCE_DIR}/src/media/srtp_self_tests.c)
  # Its reports, which go nowhere, without the C library's formatter (src/media/srtp_err_report.c).
  set_source_files_properties(${PT_SRTP_SOURCE_DIR}/crypto/kernel/err.c TARGET_DIRECTORY srtp2 PROPERTIES
    COMPILE_DEFINITIONS "srtp_err_report=pt_srtp_err_report_replaced")
  target_sources(srtp2 PRIVATE ${CMAKE_SOURCE_DIR}/src/media/srtp_err_report.c)
  target_include_directories(srtp2 PRIVATE ${CMAKE_SOURCE_DIR}/src)
endif()
add_library(pt_srtp2 INTERFACE)
target_link_libraries(pt_srtp2 INTERFACE srtp2)

# cJSON is one C file; a shallow nesting limit bounds recursion on hostile input. Its numbers are read
# and printed by src/core/json_numbers.c, not the C library's strtod, sprintf and sscanf, on every target
# alike: in wasm the C library's floating-point text code was some 20 KB of the module's 143 KB of code.
add_library(pt_text STATIC ${CMAKE_SOURCE_DIR}/src/core/text_format.c ${CMAKE_SOURCE_DIR}/src/core/json_numbers.c)
target_include_directories(pt_text PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_options(pt_text PRIVATE -Wall -Wextra -Werror)
if(NOT EMSCRIPTEN)
  target_link_libraries(pt_text PUBLIC m) # floor, frexp, rint
endif()
add_library(pt_cjson STATIC ${PT_CJSON_SOURCE_DIR}/cJSON.c)
target_include_directories(pt_cjson PUBLIC ${PT_CJSON_SOURCE_DIR})
target_compile_definitions(pt_cjson PUBLIC CJSON_NESTING_LIMIT=32)
target_link_libraries(pt_cjson PUBLIC pt_text)
set_source_files_properties(${PT_CJSON_SOURCE_DIR}/cJSON.c PROPERTIES
  COMPILE_OPTIONS "-include;${CMAKE_SOURCE_DIR}/src/core/cjson_numbers.h")
