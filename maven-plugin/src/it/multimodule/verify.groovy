// The build passed: the parent and the Java-only module validated nothing and said so; the module with workflows was
// validated.
def log = new File(basedir, 'build.log').text
assert log.contains('[INFO] onex:validate: nothing validated: no folder src/ (the default path; packaging pom;')
assert log.contains('[INFO] onex:validate: nothing validated: no ONEX workflow or node contract under src/ (the default path; packaging pom;')
assert log.contains('[INFO] 2 ONEX files checked (1 workflows, 1 contracts): 0 errors, 0 warnings')
assert !log.contains('file not found')
assert !log.contains('file.nothing-validated')
assert log.contains('BUILD SUCCESS')
return true
