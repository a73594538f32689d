"""The danger check: a few yes/no questions on the published risk factors, and what to do for each sign."""
