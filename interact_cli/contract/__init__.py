"""The event contract's Python side: its vocabulary (read from vocabulary.json) and the
contract written as a JSON Schema. The rules themselves are the native kernel's
(src/rules.rs); tests/oracle_contract.py holds a plain-Python copy as a test oracle."""
