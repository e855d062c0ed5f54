// The build passed; its log and report files say what was checked.
def log = new File(basedir, 'build.log').text
assert log.contains('[INFO] 2 ONEX files checked (1 workflows, 1 contracts): 0 errors, 0 warnings')
assert log.contains('docker-compose.yml: note: neither an ONEX workflow')
assert log.contains('[file.skipped]')
def sarif = new File(basedir, 'target/onex.sarif').text
assert sarif.contains('"version" : "2.1.0"')
// paths from where Maven was started, as code scanning maps them onto the repository; never file:///
assert sarif.contains('"uri" : "workflows/docker-compose.yml"')
assert !sarif.contains('file:')
def junit = new File(basedir, 'target/onex-reports/TEST-onex.xml').text
assert junit.contains('workflows/greet.yaml') && !junit.contains(basedir.absolutePath)
assert new File(basedir, 'target/onex-reports/TEST-onex.xml').text.contains('failures="0"')
return true
