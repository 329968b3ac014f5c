# The fuzz targets built with the ordinary compiler as plain programs (replay_main.cpp drives
# LLVMFuzzerTestOneInput), linked against the libraries the build has already made: `make test`
# replays every regression, hardening and corpus input through them (fuzz.replay) without the
# clang build. The clang, sanitized, fuzzing build stays in tests/fuzz/CMakeLists.txt.
set(fuzz_replay_libs_fuzz_review_decide hostcore)
set(fuzz_replay_libs_fuzz_policy hostcore)
set(fuzz_replay_libs_fuzz_yaml_roundtrip hostcore)
set(fuzz_replay_libs_fuzz_fixture hostharness_fixture)
set(fuzz_replay_libs_fuzz_http_request hostcore hosthttp)
set(fuzz_replay_libs_fuzz_endpoint_answer hostendpoint)
find_package(Boost 1.81 REQUIRED CONFIG)
set(fuzz_replay_libs_fuzz_http_beast hosthttp Boost::headers nlohmann_json::nlohmann_json)
add_custom_target(fuzz_replay)
foreach(target fuzz_review_decide fuzz_fixture fuzz_policy fuzz_yaml_roundtrip fuzz_http_request
               fuzz_http_beast fuzz_endpoint_answer)
  set(exe ${target}_replay)
  add_executable(${exe} ${CMAKE_SOURCE_DIR}/tests/fuzz/${target}.cpp
                        ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
  target_link_libraries(${exe} PRIVATE ${fuzz_replay_libs_${target}})
  target_include_directories(${exe} PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_definitions(${exe} PRIVATE HOSTADM_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  # Like the test files: unoptimised, the code under test is in the optimised libraries.
  target_compile_options(${exe} PRIVATE -O0)
  add_dependencies(fuzz_replay ${exe})
endforeach()
