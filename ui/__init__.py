"""Streamlit screens: thin pages over the packages' services."""
