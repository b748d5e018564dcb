"""Lesson 1 of the document, as a page: everything is drawn by the shared renderer."""

from ui.lesson_page import render_lesson

render_lesson("autograd")
