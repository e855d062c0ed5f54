package x; class A {}
