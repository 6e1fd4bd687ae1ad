"""Views of the support portal: ``portal`` for direct customers, ``staff`` for agents."""
