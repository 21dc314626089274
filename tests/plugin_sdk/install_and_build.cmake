# CTest plugin_sdk_install (cmake -P): install the build into PREFIX, build
# tests/plugin_sdk/ against PREFIX alone in WORK, run the installed `sluice`
# with the plugins built there, and the embedding program.
# Inputs: BUILD_DIR PREFIX WORK SOURCE EXAMPLES CXX GENERATOR.
cmake_minimum_required(VERSION 3.25)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${PREFIX} ${WORK})
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
foreach(f include/sluice/plugin.hpp include/sluice/stage.hpp include/sluice/sharded_map.hpp
          lib/cmake/sluice/sluiceConfig.cmake lib/cmake/sluice/sluiceConfigVersion.cmake
          lib/cmake/sluice/sluiceTargets.cmake lib/cmake/sluice/SluicePlugin.cmake bin/sluice)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

run("configure the consumer" ${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${PREFIX}
    -DEXAMPLES=${EXAMPLES})
run("build the consumer" ${CMAKE_COMMAND} --build ${WORK})

# A plugin needs none of the static libraries' dependencies: the README's
# plugin builds where TBB, fmt and nlohmann_json cannot be found.
run("configure a plugin without the framework's dependencies" ${CMAKE_COMMAND}
    -S ${EXAMPLES}/stamp -B ${WORK}/stamp-alone -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_DISABLE_FIND_PACKAGE_TBB=ON -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON -DCMAKE_DISABLE_FIND_PACKAGE_simdjson=ON)
run("build that plugin" ${CMAKE_COMMAND} --build ${WORK}/stamp-alone)

file(WRITE ${WORK}/customers.csv "id,name\nc-0,Ann\nc-1,Bo\n")
file(WRITE ${WORK}/p.toml [=[
[pipeline]
plugins = ["stamp/stamp.so", "csv_enrich.so"]

[stages.src]
type = "generate"
count = 4
payload = '{{"id": "c-{seq % 2}"}}'

[stages.enrich]
type = "csv_enrich"
inputs = ["src"]
path = "customers.csv"

[stages.stamp]
type = "stamp"
inputs = ["enrich"]
value = "out-of-tree"

[stages.out]
type = "stdout"
inputs = ["stamp"]
format = "json"
]=])
execute_process(COMMAND ${PREFIX}/bin/sluice run p.toml --progress never WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sluice run failed (${rc}):\n${out}\n${err}")
endif()
string(REGEX MATCHALL "out-of-tree" stamped "${out}")
string(REGEX MATCHALL "\\\\\"name\\\\\":\\\\\"(Ann|Bo)\\\\\"" named "${out}")
list(LENGTH stamped n_stamped)
list(LENGTH named n_named)
if(NOT n_stamped EQUAL 4 OR NOT n_named EQUAL 4)
  message(FATAL_ERROR "unexpected output (${n_stamped} stamped, ${n_named} enriched):\n${out}\n${err}")
endif()
# The async example, built out of tree: 200 calls, 50 open at once, the slow
# ones past their timeout and tried again.
file(WRITE ${WORK}/async.toml [=[
[pipeline]
plugins = ["async_lookup.so"]

[stages.src]
type = "generate"
count = 200

[stages.lookup]
type = "async_lookup"
inputs = ["src"]
latency = "20ms"
slow_every = 25
max_in_flight = 50
timeout = "100ms"
retry = { max_attempts = 3, initial_backoff = "10ms" }

[stages.out]
type = "stdout"
inputs = ["lookup"]
format = "json"
]=])
execute_process(COMMAND ${PREFIX}/bin/sluice run async.toml --progress never
                        --stats-json async-stats.json
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "looked_up" looked_up "${out}")
list(LENGTH looked_up n_looked_up)
file(READ ${WORK}/async-stats.json stats)
string(JSON retries GET "${stats}" stages lookup retries)
if(NOT rc EQUAL 0 OR NOT n_looked_up EQUAL 200 OR retries LESS 1)
  message(FATAL_ERROR "async plugin (${rc}, ${n_looked_up} looked up of 200):\n${out}\n${err}")
endif()
run("the embedding program" ${WORK}/embed)
message(STATUS "installed SDK: plugins built out of tree and run; embedding program: ${last_out}")
