-- The PL/pgSQL workloads of bench/savepoints.sh: :n chains (a vacancy, its
-- orientation, its attribution, as bench/compteurs/evenement.pgbench) in the
-- caller's one transaction, from a loop; with :bloc = 'evenement' each event
-- sits in a block with an EXCEPTION clause (a subtransaction each), with
-- :bloc = 'aucun' it does not.  The handler never runs: every event is valid.
-- Chain i: dwelling 1 + i % 100000 (preparer.sql's), 1 January 2026 +
-- i / 100000 days, réservataire al, prefet, agents, employeur or the pool.
CREATE FUNCTION pg_temp.chaines(n int, bloc text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	vid bigint; oid_ bigint; j date; r text;
BEGIN
	FOR i IN 0 .. n - 1 LOOP
		j := date '2026-01-01' + i / 100000;
		r := (ARRAY['al', 'prefet', 'agents', 'employeur', NULL])[1 + i % 5];
		IF bloc = 'evenement' THEN
			BEGIN
				INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (1 + i % 100000, j) RETURNING id INTO vid;
			EXCEPTION WHEN unique_violation THEN RAISE;
			END;
			BEGIN
				INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (vid, r, j) RETURNING id INTO oid_;
			EXCEPTION WHEN unique_violation THEN RAISE;
			END;
			BEGIN
				INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile)
				VALUES (oid_, j + 10, j + 20, i % 5 = 1);
			EXCEPTION WHEN unique_violation THEN RAISE;
			END;
		ELSE
			INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (1 + i % 100000, j) RETURNING id INTO vid;
			INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (vid, r, j) RETURNING id INTO oid_;
			INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile)
			VALUES (oid_, j + 10, j + 20, i % 5 = 1);
		END IF;
	END LOOP;
END
$$;
BEGIN;
SELECT pg_temp.chaines(:n, :'bloc');
COMMIT;
