// unit tests of the design module: see tests/issue9_design.rs for the end-to-end ones
