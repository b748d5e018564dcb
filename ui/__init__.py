"""Streamlit and Plotly: everything the pages share."""
