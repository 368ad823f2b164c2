"""The model edge: LangChain chat models behind our Drafter interface, and a scripted fake for tests."""
