"""Home page: `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="Gradient Descent Lab", page_icon="📉", layout="wide")
st.title("Gradient Descent Lab")
st.write("Four PyTorch programs that fit a line by gradient descent, one lesson each.")
