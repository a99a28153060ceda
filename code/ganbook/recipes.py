"""The book's model recipes, registered with :mod:`ganbook.zoo`."""
