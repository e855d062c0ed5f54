// The build failed, with the messages of `onex validate`: every error of the file, each with its place and rule.
def log = new File(basedir, 'build.log').text
def file = new File(basedir, 'workflows/greet.yaml').getCanonicalPath()
[
    file + ":7:17: error: '/steps/0/timeout_ms' must be an integer, found string \"soon\" [workflow.invalid-value]",
    file + ":8:5: error: step 'greet': input does not match the input schema of node 'greeting_compute': missing required field 'name' [node.input-mismatch]",
    file + ":9:7: error: step 'greet': input does not match the input schema of node 'greeting_compute': unknown field 'nme' (did you mean 'name'?)",
    file + ":12:18: error: unknown node 'greeting_store' (effect_node of step 'store')",
    file + ":13:18: error: step 'store' depends on 'gret', which is no step of this workflow (did you mean 'greet'?) [workflow.depends-on]",
    '[ERROR] Failed to execute goal ai.omninode.onex:onex-maven-plugin',
    'onex:validate: 2 ONEX files checked (1 workflows, 1 contracts): 5 errors, 0 warnings',
].each { expected -> assert log.contains(expected) : "build.log lacks: " + expected }
assert new File(basedir, 'target/onex-reports/TEST-onex.xml').text.contains('failures="1"')
return true
