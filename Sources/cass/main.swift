print("cass")
