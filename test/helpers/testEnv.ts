/**
 * Loaded before every test file (`node --import`, package.json's test script). The tests run hooks as they run
 * on a developer's machine: the CI variable of the machine running the tests (GitHub Actions, `.ci/run`) would
 * make every hook skip (hooks.ci: skip). The tests of CI mode set CI themselves.
 */
delete process.env.CI;
